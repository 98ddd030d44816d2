package com.example.billing;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A user's own application that is a worker, as the worker README shows it: the starter on the
 * class path, handlers as beans in its packages, nothing imported.
 */
@SpringBootApplication
public class BillingWorker {
    public static void main(String[] args) {
        SpringApplication.run(BillingWorker.class, args);
    }
}
