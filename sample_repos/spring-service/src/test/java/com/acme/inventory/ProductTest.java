package com.acme.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.inventory.domain.Product;
import org.junit.jupiter.api.Test;

class ProductTest {

    @Test
    void stockCannotGoNegative() {
        Product product = new Product("B-2", "Bolt", 15);
        product.adjustStock(3);
        assertThat(product.getStock()).isEqualTo(3);
        assertThatThrownBy(() -> product.adjustStock(-4)).isInstanceOf(IllegalArgumentException.class);
    }
}
