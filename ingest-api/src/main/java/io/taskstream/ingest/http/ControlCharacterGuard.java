package io.taskstream.ingest.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.servlet.HandlerInterceptor;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Violation;

/**
 * Refuses query parameters that carry a NUL character ({@code %00}) with {@code 400 validation_failed}
 * before any handler sees them: PostgreSQL cannot hold NUL in text, so such a value would otherwise end
 * as a database error (a {@code 500}) in whatever query it filters. No legitimate filter value contains one.
 */
public class ControlCharacterGuard implements HandlerInterceptor {

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        List<Violation> violations = new ArrayList<>();
        for (Map.Entry<String, String[]> parameter : request.getParameterMap().entrySet()) {
            boolean nul = parameter.getKey().indexOf('\0') >= 0;
            for (String value : parameter.getValue()) {
                nul |= value != null && value.indexOf('\0') >= 0;
            }
            if (nul) {
                violations.add(new Violation(parameter.getKey().replace('\0', '?'), "must not contain NUL (%00)"));
            }
        }
        if (!violations.isEmpty()) {
            throw ApiException.validation(violations);
        }
        return true;
    }
}
