package com.acme.inventory.service;

import com.acme.inventory.domain.Product;
import com.acme.inventory.domain.ProductRepository;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class ProductService {

    private static final Logger log = LoggerFactory.getLogger(ProductService.class);

    private final ProductRepository products;
    private final StockNotifier notifier;

    public ProductService(ProductRepository products, StockNotifier notifier) {
        this.products = products;
        this.notifier = notifier;
    }

    public List<Product> list() {
        return products.findAll();
    }

    public Product get(long id) {
        return products.findById(id).orElseThrow(() -> new ProductNotFoundException(id));
    }

    @Transactional
    public Product create(String sku, String name, long priceCents) {
        return products.save(new Product(sku, name, priceCents));
    }

    @Transactional
    public Product adjustStock(long id, int delta) {
        Product product = get(id);
        product.adjustStock(delta);
        try {
            notifier.stockChanged(product.getSku(), product.getStock());
        } catch (Exception e) {
        }
        log.info("stock of {} is now {}", product.getSku(), product.getStock());
        return product;
    }
}
