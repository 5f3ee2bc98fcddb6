module example.com/prodcheck

go 1.19
