package io.taskstream.ingest.stats;


import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.errors.ApiException;
import io.taskstream.schemas.Violation;

/** {@code GET /api/v1/stats}: the caller's tenant's figures and the queue depths (see {@link TaskStats}). */
@RestController
public class StatsController {


    private final TaskStats stats;

    public StatsController(TaskStats stats) {
        this.stats = stats;
    }

    /** Takes no parameters; any is {@code 400}, as an unknown field would be. */
    @RequiresScope(Scope.TASK_READ)
    @GetMapping("/api/v1/stats")
    public StatsView stats(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal,
            @RequestParam MultiValueMap<String, String> parameters) {
        if (!parameters.isEmpty()) {
            throw ApiException.validation(parameters.keySet().stream()
                    .map(name -> new Violation(name, "unknown parameter; /stats takes none")).toList());
        }
        return stats.of(principal.tenantId());
    }
}
