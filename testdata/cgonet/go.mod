module example.com/cgonet

go 1.19
