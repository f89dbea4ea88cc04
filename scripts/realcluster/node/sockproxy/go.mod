module realcluster/sockproxy

go 1.26
