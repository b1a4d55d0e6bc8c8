package main

import "testing"

func TestCoverURLEscapesTheISBN(t *testing.T) {
	got := coverURL("978 0441013593")
	want := "https://covers.openlibrary.org/b/isbn/978%200441013593-M.jpg"
	if got != want {
		t.Fatalf("coverURL = %q, want %q", got, want)
	}
}
