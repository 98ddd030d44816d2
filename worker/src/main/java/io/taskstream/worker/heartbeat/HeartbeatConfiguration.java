package io.taskstream.worker.heartbeat;

import java.time.Clock;
import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.micrometer.core.instrument.MeterRegistry;
import io.taskstream.worker.config.WorkerProperties;
import io.taskstream.worker.consumer.DispatchConsumer;

/**
 * The worker's health: heartbeats to Redis ({@link HeartbeatPublisher}), the supervisor of every
 * {@link Supervised} loop ({@link LoopSupervisor}) and the health components {@code worker}
 * ({@link WorkerHealthIndicator}: the poll loop runs and polls), {@code executionPool}
 * ({@link ExecutionPoolHealthIndicator}) and {@code loops} ({@link LoopsHealthIndicator}: a loop the
 * supervisor cannot bring back); worker.yml puts them in the liveness and readiness groups. Imported
 * by {@code WorkerConfiguration}. Without Redis ({@code StringRedisTemplate}) in the application no
 * heartbeats are written; the rest works the same.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(HeartbeatProperties.class)
public class HeartbeatConfiguration {

    @Bean
    LoopSupervisor loopSupervisor(ObjectProvider<Supervised> loops, HeartbeatProperties heartbeat,
                                  WorkerProperties worker, Clock clock, MeterRegistry meters) {
        List<Supervised> supervised = loops.orderedStream().toList();
        return new LoopSupervisor(supervised,
                heartbeat.effectiveStallTimeout(worker.pollTimeout(), worker.shutdownTimeout()),
                heartbeat.checkInterval(), clock, meters);
    }

    @Bean
    HeartbeatPublisher heartbeatPublisher(ObjectProvider<StringRedisTemplate> redis, HeartbeatProperties heartbeat,
                                          WorkerProperties worker, ObjectProvider<DispatchConsumer> consumer,
                                          LoopSupervisor supervisor, Clock clock, MeterRegistry meters) {
        StringRedisTemplate template = redis.getIfAvailable();
        return new HeartbeatPublisher(template == null ? null : new RedisHeartbeatStore(template, heartbeat),
                WorkerIdentity.of(worker.workerId(), worker.groupId()), heartbeat, meters,
                () -> consumerRunning(consumer), supervisor::restarts, clock);
    }

    @Bean
    WorkerHealthIndicator workerHealthIndicator(ObjectProvider<DispatchConsumer> consumer, LoopSupervisor supervisor,
                                                HeartbeatPublisher heartbeats, MeterRegistry meters) {
        return new WorkerHealthIndicator(() -> consumerRunning(consumer), meters, supervisor, heartbeats);
    }

    @Bean
    ExecutionPoolHealthIndicator executionPoolHealthIndicator(ObjectProvider<DispatchConsumer> consumer) {
        return new ExecutionPoolHealthIndicator(() -> {
            DispatchConsumer dispatchConsumer = consumer.getIfAvailable();
            return dispatchConsumer == null ? null : dispatchConsumer.pool();
        });
    }

    @Bean
    LoopsHealthIndicator loopsHealthIndicator(LoopSupervisor supervisor) {
        return new LoopsHealthIndicator(supervisor);
    }

    private static boolean consumerRunning(ObjectProvider<DispatchConsumer> consumer) {
        DispatchConsumer dispatchConsumer = consumer.getIfAvailable();
        return dispatchConsumer != null && dispatchConsumer.isRunning();
    }
}
