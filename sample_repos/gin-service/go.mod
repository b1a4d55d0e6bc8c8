module github.com/example/accounts

go 1.22

require (
	github.com/gin-gonic/gin v1.9.1
	github.com/golang-migrate/migrate/v4 v4.17.1
	github.com/lib/pq v1.10.9
)
