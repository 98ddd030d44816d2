package io.taskstream.ingest.auth;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;

import io.taskstream.ingest.errors.ApiException;
import io.taskstream.ingest.errors.ErrorCode;

/**
 * Enforces {@link RequiresScope}: the one place where scopes are checked. Runs after
 * {@link ApiKeyFilter} has put the caller's {@link ApiPrincipal} on the request and before the
 * handler method. A handler under {@code /api/v1} that declares no scope is refused (fail closed) —
 * and {@link #undeclared} lets the API refuse to start with such a handler, so that never happens.
 */
public class ScopeInterceptor implements HandlerInterceptor {

    static final String API_PREFIX = "/api/v1/";

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!(handler instanceof HandlerMethod method) || !request.getRequestURI().startsWith(API_PREFIX)) {
            return true;
        }
        ApiPrincipal principal = (ApiPrincipal) request.getAttribute(ApiPrincipal.ATTRIBUTE);
        RequiresScope required = method.getMethodAnnotation(RequiresScope.class);
        if (principal == null || required == null) {
            throw new ApiException(ErrorCode.FORBIDDEN, "this operation is not open to API keys");
        }
        principal.requireScope(required.value());
        return true;
    }

    /**
     * The {@code /api/v1} handler methods that declare no scope, as {@code Class#method} (empty when
     * every one does).
     */
    public static List<String> undeclared(Map<RequestMappingInfo, HandlerMethod> handlers) {
        return handlers.entrySet().stream()
                .filter(e -> e.getKey().getPatternValues().stream().anyMatch(p -> p.startsWith(API_PREFIX)))
                .map(Map.Entry::getValue)
                .filter(h -> !h.hasMethodAnnotation(RequiresScope.class))
                .map(HandlerMethod::getMethod)
                .map(ScopeInterceptor::name)
                .sorted()
                .toList();
    }

    private static String name(Method method) {
        return method.getDeclaringClass().getSimpleName() + "#" + method.getName();
    }
}
