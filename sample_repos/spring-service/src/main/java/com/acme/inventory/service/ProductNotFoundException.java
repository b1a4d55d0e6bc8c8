package com.acme.inventory.service;

public class ProductNotFoundException extends RuntimeException {
    public ProductNotFoundException(long id) {
        super("product " + id + " does not exist");
    }
}
