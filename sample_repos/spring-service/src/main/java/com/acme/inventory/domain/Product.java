package com.acme.inventory.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "products")
public class Product {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(nullable = false, unique = true, length = 40)
    private String sku;

    @Column(nullable = false, length = 200)
    private String name;

    @Column(nullable = false)
    private int stock;

    @Column(name = "price_cents", nullable = false)
    private long priceCents;

    protected Product() {
    }

    public Product(String sku, String name, long priceCents) {
        this.sku = sku;
        this.name = name;
        this.priceCents = priceCents;
    }

    public Long getId() { return id; }
    public String getSku() { return sku; }
    public String getName() { return name; }
    public int getStock() { return stock; }
    public long getPriceCents() { return priceCents; }

    public void adjustStock(int delta) {
        if (stock + delta < 0) {
            throw new IllegalArgumentException("stock cannot go below zero");
        }
        stock += delta;
    }
}
