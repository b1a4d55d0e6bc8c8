package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/accounts/internal/store"
	"github.com/gin-gonic/gin"
)

type fakeStore struct {
	accounts map[int64]store.Account
}

func (f *fakeStore) CreateAccount(_ context.Context, owner, currency string) (store.Account, error) {
	a := store.Account{ID: int64(len(f.accounts) + 1), Owner: owner, Currency: currency}
	f.accounts[a.ID] = a
	return a, nil
}

func (f *fakeStore) GetAccount(_ context.Context, id int64) (store.Account, error) {
	a, ok := f.accounts[id]
	if !ok {
		return store.Account{}, store.ErrNotFound
	}
	return a, nil
}

func (f *fakeStore) ListAccounts(_ context.Context, _ int) ([]store.Account, error) {
	out := make([]store.Account, 0, len(f.accounts))
	for _, a := range f.accounts {
		out = append(out, a)
	}
	return out, nil
}

func newRouter() *gin.Engine {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	h := &Handler{Store: &fakeStore{accounts: map[int64]store.Account{}}}
	h.Register(r)
	return r
}

func TestCreateAccount(t *testing.T) {
	r := newRouter()
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/accounts", strings.NewReader(`{"owner":"ada","currency":"EUR"}`))
	r.ServeHTTP(w, req)
	if w.Code != http.StatusCreated {
		t.Fatalf("status = %d, want 201", w.Code)
	}
}

func TestCreateAccountRejectsUnknownCurrency(t *testing.T) {
	r := newRouter()
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/accounts", strings.NewReader(`{"owner":"ada","currency":"XXX"}`))
	r.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", w.Code)
	}
}

func TestGetUnknownAccount(t *testing.T) {
	r := newRouter()
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/accounts/42", nil))
	if w.Code != http.StatusNotFound {
		t.Fatalf("status = %d, want 404", w.Code)
	}
}
