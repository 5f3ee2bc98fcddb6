module example.com/pause

go 1.19
