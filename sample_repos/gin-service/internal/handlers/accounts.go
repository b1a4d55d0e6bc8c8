package handlers

import (
	"errors"
	"log"
	"net/http"
	"strconv"

	"github.com/example/accounts/internal/store"
	"github.com/gin-gonic/gin"
)

type Handler struct {
	Store store.Store
}

type createAccountRequest struct {
	Owner    string `json:"owner" binding:"required"`
	Currency string `json:"currency" binding:"required,oneof=USD EUR GBP"`
}

func (h *Handler) Register(r *gin.Engine) {
	v1 := r.Group("/api/v1")
	v1.POST("/accounts", h.createAccount)
	v1.GET("/accounts/:id", h.getAccount)
	v1.GET("/accounts", h.listAccounts)
}

func errorBody(code, message string) gin.H {
	return gin.H{"code": code, "message": message}
}

func (h *Handler) createAccount(c *gin.Context) {
	var req createAccountRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		c.JSON(http.StatusBadRequest, errorBody("invalid_body", err.Error()))
		return
	}
	account, err := h.Store.CreateAccount(c.Request.Context(), req.Owner, req.Currency)
	if err != nil {
		log.Printf("create account: %v", err)
		c.JSON(http.StatusInternalServerError, errorBody("internal_error", "internal server error"))
		return
	}
	c.JSON(http.StatusCreated, account)
}

func (h *Handler) getAccount(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		c.JSON(http.StatusBadRequest, errorBody("invalid_id", "id must be a number"))
		return
	}
	account, err := h.Store.GetAccount(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		c.JSON(http.StatusNotFound, errorBody("not_found", "account not found"))
		return
	}
	if err != nil {
		log.Printf("get account: %v", err)
		c.JSON(http.StatusInternalServerError, errorBody("internal_error", "internal server error"))
		return
	}
	c.JSON(http.StatusOK, account)
}

func (h *Handler) listAccounts(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "20"))
	accounts, err := h.Store.ListAccounts(c.Request.Context(), limit)
	if err != nil {
		log.Printf("list accounts: %v", err)
		c.JSON(http.StatusInternalServerError, errorBody("internal_error", "internal server error"))
		return
	}
	c.JSON(http.StatusOK, accounts)
}
