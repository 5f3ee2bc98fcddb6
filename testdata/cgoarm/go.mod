module example.com/cgoarm

go 1.19
