package main

import (
	"database/sql"
	"log"
	"os"

	"github.com/example/accounts/internal/handlers"
	"github.com/example/accounts/internal/store"
	"github.com/gin-gonic/gin"
	_ "github.com/lib/pq"
)

func main() {
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatalf("open database: %v", err)
	}
	defer db.Close()

	r := gin.Default()
	h := &handlers.Handler{Store: store.NewPostgresStore(db)}
	h.Register(r)
	_ = r.SetTrustedProxies(nil)
	if err := r.Run(":8080"); err != nil {
		log.Fatalf("server stopped: %v", err)
	}
}
