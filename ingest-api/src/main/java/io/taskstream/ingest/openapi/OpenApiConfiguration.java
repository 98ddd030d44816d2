package io.taskstream.ingest.openapi;

import java.lang.reflect.Type;
import java.util.Iterator;
import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document of the API (springdoc): {@code /v3/api-docs}, Swagger UI at
 * {@code /swagger-ui.html}, both open (only {@code /api/v1/*} needs a key, see {@code AuthConfiguration}).
 * What the document says about each operation is {@link ApiDocumentation}'s; here are its frame (info,
 * a fixed server, the security schemes) and the few type mappings springdoc needs. Springdoc's settings
 * are in {@code ingest-api.yml} ({@code springdoc.*}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class OpenApiConfiguration {

    /** Where the API's guide lives, relative to the repository root. */
    static final String GUIDE = "docs/api.md";

    @Bean
    OpenAPI taskstreamOpenApi(ObjectProvider<BuildProperties> build) {
        BuildProperties properties = build.getIfAvailable();
        return frame(properties == null ? "unknown" : properties.getVersion());
    }

    @Bean
    ApiDocumentation apiDocumentation() {
        return new ApiDocumentation();
    }

    @Bean
    ModelConverter jsonTreeSchema() {
        return new JsonTreeSchema();
    }

    /**
     * Info, servers and security schemes. The one server is {@code /} (the host the spec is read from):
     * springdoc would otherwise write the URL of the request, which would make the spec depend on the host
     * and port it was generated on.
     */
    static OpenAPI frame(String version) {
        return new OpenAPI()
                .info(new Info().title("Taskstream API").version(version).description("""
                        Taskstream's REST API: submit tasks to a Kafka-backed job queue, follow them, and manage \
                        the dead-letter queue. Every operation needs an API key, as `Authorization: Bearer <key>` \
                        or `X-API-Key: <key>`; every error is an RFC 9457 problem with a stable `code`. \
                        Guide and conventions: [%s](%s) in the Taskstream repository.""".formatted(GUIDE, GUIDE)))
                .servers(List.of(new Server().url("/").description("the host serving this document")))
                .components(new Components()
                        .addSecuritySchemes(ApiDocumentation.BEARER, new SecurityScheme()
                                .type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("`Authorization: Bearer <api key>`; keys look like `ts_<prefix>_<secret>`."))
                        .addSecuritySchemes(ApiDocumentation.API_KEY, new SecurityScheme()
                                .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name("X-API-Key")
                                .description("`X-API-Key: <api key>`, the same keys as the bearer scheme.")));
    }

    /**
     * A Jackson tree ({@code payload}, {@code result}) is any JSON value; without this, springdoc would
     * describe {@link JsonNode}'s getters as an object.
     */
    static final class JsonTreeSchema implements ModelConverter {

        @Override
        public Schema<?> resolve(AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> chain) {
            if (JsonNode.class.isAssignableFrom(rawClass(type.getType()))) {
                return new JsonSchema().description("Any JSON value.");
            }
            return chain.hasNext() ? chain.next().resolve(type, context, chain) : null;
        }

        private static Class<?> rawClass(Type type) {
            if (type instanceof Class<?> c) {
                return c;
            }
            if (type instanceof com.fasterxml.jackson.databind.JavaType javaType) {
                return javaType.getRawClass();
            }
            return Void.class;
        }
    }
}
