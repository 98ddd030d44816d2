package io.taskstream.ingest.auth;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The scope an {@code /api/v1} operation needs. Every handler method under {@code /api/v1} carries
 * one (the API refuses to start otherwise, see {@link ScopeInterceptor}); a key without it (and
 * without {@code admin}) gets {@code 403 forbidden} before the handler runs. Tenant confinement is
 * not declared here: handlers read the tenant from the request's {@link ApiPrincipal}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RequiresScope {

    Scope value();
}
