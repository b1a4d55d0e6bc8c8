package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

var ErrNotFound = errors.New("not found")

type Account struct {
	ID       int64  `json:"id"`
	Owner    string `json:"owner"`
	Balance  int64  `json:"balance"`
	Currency string `json:"currency"`
}

type Store interface {
	CreateAccount(ctx context.Context, owner, currency string) (Account, error)
	GetAccount(ctx context.Context, id int64) (Account, error)
	ListAccounts(ctx context.Context, limit int) ([]Account, error)
}

type PostgresStore struct {
	db *sql.DB
}

func NewPostgresStore(db *sql.DB) *PostgresStore {
	return &PostgresStore{db: db}
}

func (s *PostgresStore) CreateAccount(ctx context.Context, owner, currency string) (Account, error) {
	var a Account
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO accounts (owner, currency) VALUES ($1, $2) RETURNING id, owner, balance, currency`,
		owner, currency).Scan(&a.ID, &a.Owner, &a.Balance, &a.Currency)
	if err != nil {
		return Account{}, fmt.Errorf("create account: %w", err)
	}
	return a, nil
}

func (s *PostgresStore) GetAccount(ctx context.Context, id int64) (Account, error) {
	var a Account
	err := s.db.QueryRowContext(ctx,
		`SELECT id, owner, balance, currency FROM accounts WHERE id = $1`, id).Scan(&a.ID, &a.Owner, &a.Balance, &a.Currency)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("get account %d: %w", id, err)
	}
	return a, nil
}

func (s *PostgresStore) ListAccounts(ctx context.Context, limit int) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, owner, balance, currency FROM accounts ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		_ = rows.Scan(&a.ID, &a.Owner, &a.Balance, &a.Currency)
		out = append(out, a)
	}
	return out, rows.Err()
}
