package com.acme.inventory.web;

import com.acme.inventory.domain.Product;
import com.acme.inventory.service.ProductService;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/products")
public class ProductController {

    public record NewProduct(@NotBlank String sku, @NotBlank String name, @Min(0) long priceCents) {}

    public record StockChange(int delta) {}

    private final ProductService service;

    public ProductController(ProductService service) {
        this.service = service;
    }

    @GetMapping
    public List<Product> list() {
        return service.list();
    }

    @GetMapping("/{id}")
    public Product get(@PathVariable long id) {
        return service.get(id);
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public Product create(@Valid @RequestBody NewProduct body) {
        return service.create(body.sku(), body.name(), body.priceCents());
    }

    @PostMapping("/{id}/stock")
    public Product adjust(@PathVariable long id, @RequestBody StockChange body) {
        return service.adjustStock(id, body.delta());
    }
}
