module example.com/sqlitebench

go 1.19
