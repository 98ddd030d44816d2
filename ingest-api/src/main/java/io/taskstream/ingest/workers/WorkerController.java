package io.taskstream.ingest.workers;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.taskstream.ingest.auth.ApiPrincipal;
import io.taskstream.ingest.auth.RequiresScope;
import io.taskstream.ingest.auth.Scope;
import io.taskstream.ingest.http.Page;

/**
 * The workers of the deployment (CONTRACT.md §2, Operations), from their heartbeats. Workers belong
 * to no tenant, so both endpoints need the {@code admin} scope.
 */
@RestController
@RequestMapping("/api/v1")
public class WorkerController {

    private final WorkerDirectory directory;

    public WorkerController(WorkerDirectory directory) {
        this.directory = directory;
    }

    /** Every worker with a heartbeat, by id: {@code {"items": [...], "nextCursor": null}} (never paginated). */
    @RequiresScope(Scope.ADMIN)
    @GetMapping("/workers")
    public Page<WorkerView> list(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal) {
        return Page.whole(directory.list());
    }

    /** One worker; {@code 404} when it has no heartbeat. */
    @RequiresScope(Scope.ADMIN)
    @GetMapping("/workers/{id}")
    public WorkerView get(@RequestAttribute(ApiPrincipal.ATTRIBUTE) ApiPrincipal principal, @PathVariable String id) {
        return directory.get(id);
    }
}
