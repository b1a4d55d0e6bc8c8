package com.acme.inventory.service;

import org.springframework.stereotype.Component;

@Component
public class StockNotifier {

    public void stockChanged(String sku, int stock) throws Exception {
        if (sku == null) {
            throw new Exception("sku missing");
        }
    }
}
