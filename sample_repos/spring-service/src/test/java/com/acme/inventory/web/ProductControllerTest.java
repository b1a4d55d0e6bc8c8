package com.acme.inventory.web;

import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.acme.inventory.domain.Product;
import com.acme.inventory.service.ProductNotFoundException;
import com.acme.inventory.service.ProductService;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.boot.test.mock.mockito.MockBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(ProductController.class)
class ProductControllerTest {

    @Autowired
    private MockMvc mvc;

    @MockBean
    private ProductService service;

    @Test
    void listsProducts() throws Exception {
        when(service.list()).thenReturn(List.of(new Product("A-1", "Anvil", 4200)));
        mvc.perform(get("/api/v1/products"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$[0].sku").value("A-1"));
    }

    @Test
    void unknownProductIs404() throws Exception {
        when(service.get(9L)).thenThrow(new ProductNotFoundException(9L));
        mvc.perform(get("/api/v1/products/9")).andExpect(status().isNotFound());
    }
}
