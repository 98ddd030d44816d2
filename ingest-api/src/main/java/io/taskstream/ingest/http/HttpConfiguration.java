package io.taskstream.ingest.http;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Request hygiene common to every {@code /api/v1} operation (see {@link ControlCharacterGuard}). */
@Configuration(proxyBeanMethods = false)
public class HttpConfiguration implements WebMvcConfigurer {

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new ControlCharacterGuard()).addPathPatterns("/api/v1/**");
    }
}
