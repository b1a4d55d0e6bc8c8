package main

import (
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"time"
)

// coverURL builds the Open Library cover address for an ISBN.
func coverURL(isbn string) string {
	return fmt.Sprintf("https://covers.openlibrary.org/b/isbn/%s-M.jpg", url.PathEscape(isbn))
}

func fetchCover(client *http.Client, isbn string) (int, error) {
	resp, err := client.Head(coverURL(isbn))
	if err != nil {
		return 0, fmt.Errorf("fetch cover %s: %w", isbn, err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

func main() {
	client := &http.Client{Timeout: 10 * time.Second}
	for _, isbn := range os.Args[1:] {
		status, err := fetchCover(client, isbn)
		if err != nil {
			log.Printf("cover %s: %v", isbn, err)
			continue
		}
		log.Printf("cover %s: HTTP %d", isbn, status)
	}
}
