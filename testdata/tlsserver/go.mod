module example.com/tlsserver

go 1.19
