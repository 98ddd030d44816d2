package io.taskstream.worker.handler.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.CustomScopeConfigurer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.context.support.SimpleThreadScope;
import org.springframework.core.NestedExceptionUtils;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.taskstream.worker.config.WorkerConfiguration;
import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.handler.TaskstreamHandler;

/**
 * {@link TaskstreamHandler} methods in a worker's application context: they join the
 * {@code TaskHandler} beans in one {@link HandlerRegistry}, are called through the bean's proxy, and
 * stop the start-up, with a message naming bean and method, when their shape is wrong, when they
 * claim a type another handler has, or when they would silently never run. (No broker or Redis
 * server is needed: the worker's consumer polls a port where nothing listens.)
 */
class AnnotatedHandlerRegistrarTest {

    final ApplicationContextRunner worker = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, DataRedisAutoConfiguration.class))
            .withUserConfiguration(WorkerConfiguration.class)
            .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("spring.kafka.bootstrap-servers=127.0.0.1:9", "spring.kafka.admin.auto-create=false",
                    "taskstream.worker.shutdown-timeout=0s");

    record Invoice(String id) {
    }

    static class Billing {
        @TaskstreamHandler("invoice.mail")
        public Map<String, String> mail(Invoice invoice) {
            return Map.of("mailed", invoice.id());
        }

        @TaskstreamHandler("invoice.void")
        public void voidInvoice(TaskContext ctx) {
        }
    }

    static class ReportHandler implements TaskHandler {
        @Override
        public String type() {
            return "report.generate";
        }

        @Override
        public HandlerResult handle(TaskContext context) {
            return HandlerResult.completed(Map.of("report", "r-1"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BillingApp {
        @Bean
        Billing billing() {
            return new Billing();
        }

        @Bean
        ReportHandler reportHandler() {
            return new ReportHandler();
        }
    }

    /** What stopped the start-up, out of Spring's wrappers. */
    static Throwable cause(Throwable startupFailure) {
        return NestedExceptionUtils.getMostSpecificCause(startupFailure);
    }

    static HandlerResult run(HandlerRegistry registry, String type, Object payload) throws Exception {
        return registry.find(type).orElseThrow().handle(TaskContext.builder(type).payload(payload).build());
    }

    @Test
    void annotatedMethodsJoinTheHandlerClassesInOneRegistryEachAsABeanOfItsOwn() throws Exception {
        worker.withUserConfiguration(BillingApp.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            HandlerRegistry registry = ctx.getBean(HandlerRegistry.class);

            assertThat(registry.types()).containsExactly("invoice.mail", "invoice.void", "report.generate");
            assertThat(run(registry, "invoice.mail", Map.of("id", "INV-7")))
                    .isEqualTo(HandlerResult.completed(Map.of("mailed", "INV-7")));
            assertThat(run(registry, "report.generate", Map.of()))
                    .isEqualTo(HandlerResult.completed(Map.of("report", "r-1")));
            assertThat(ctx.getBeansOfType(TaskHandler.class)).containsKeys("billing#mail(Invoice)",
                    "billing#voidInvoice(TaskContext)", "reportHandler");
        });
    }

    @Test
    void aComponentClassIsFoundAsWellAsABeanMethodsReturnType() {
        worker.withBean(Billing.class).run(ctx ->
                assertThat(ctx.getBean(HandlerRegistry.class).types()).containsExactly("invoice.mail", "invoice.void"));
    }

    interface Greeter {
        String greet(TaskContext ctx);
    }

    static class Hello implements Greeter {
        @Override
        @TaskstreamHandler("greet")
        public String greet(TaskContext ctx) {
            return "hello " + ctx.tenantId();
        }
    }

    /** Proxies every {@link Greeter} with advice that shouts, as {@code @Transactional} and friends proxy beans. */
    record Shouting(boolean proxyTargetClass) implements BeanPostProcessor {
        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
            if (!(bean instanceof Greeter)) {
                return bean;
            }
            ProxyFactory proxy = new ProxyFactory(bean);
            proxy.setProxyTargetClass(proxyTargetClass);
            proxy.addAdvice((MethodInterceptor) call -> ((String) call.proceed()).toUpperCase());
            return proxy.getProxy();
        }
    }

    @Test
    void theMethodIsCalledThroughTheBeansInterfaceProxySoItsAdviceApplies() {
        worker.withBean(Hello.class).withBean(Shouting.class, () -> new Shouting(false)).run(ctx -> {
            assertThat(ctx.getBean(Greeter.class).getClass().getName()).contains("$Proxy");
            assertThat(run(ctx.getBean(HandlerRegistry.class), "greet", Map.of()))
                    .isEqualTo(HandlerResult.completed("HELLO DEFAULT"));
        });
    }

    @Test
    void theMethodIsCalledThroughTheBeansClassProxySoItsAdviceApplies() {
        worker.withBean(Hello.class).withBean(Shouting.class, () -> new Shouting(true)).run(ctx -> {
            assertThat(ctx.getBean(Greeter.class).getClass().getName()).contains("$$SpringCGLIB$$");
            assertThat(run(ctx.getBean(HandlerRegistry.class), "greet", Map.of()))
                    .isEqualTo(HandlerResult.completed("HELLO DEFAULT"));
        });
    }

    static class OtherBilling {
        @TaskstreamHandler("invoice.mail")
        public void mail(TaskContext ctx) {
        }
    }

    @Test
    void twoMethodsForOneTypeStopTheStartUpNamingBoth() {
        worker.withBean(Billing.class).withBean(OtherBilling.class).run(ctx ->
                assertThat(cause(ctx.getStartupFailure()))
                        .hasMessageStartingWith("More than one task handler for a task type: 'invoice.mail' by ")
                        .hasMessageContaining("method " + Billing.class.getName() + ".mail(Invoice) of bean '")
                        .hasMessageContaining(" and method " + OtherBilling.class.getName()
                                + ".mail(TaskContext) of bean '"));
    }

    static class ReportMethod {
        @TaskstreamHandler("report.generate")
        public void generate() {
        }
    }

    @Test
    void aMethodAndAHandlerClassForOneTypeStopTheStartUpNamingBoth() {
        worker.withUserConfiguration(BillingApp.class).withBean("reports", ReportMethod.class).run(ctx ->
                assertThat(cause(ctx.getStartupFailure()))
                        .hasMessageContaining("'report.generate' by " + ReportHandler.class.getName()
                                + " and method " + ReportMethod.class.getName() + ".generate() of bean 'reports'"));
    }

    static class BadType {
        @TaskstreamHandler("Invoice Mail")
        public void mail() {
        }
    }

    @Test
    void aTypeNoTaskCouldHaveStopsTheStartUpNamingTheMethod() {
        worker.withBean("badType", BadType.class).run(ctx ->
                assertThat(cause(ctx.getStartupFailure())).hasMessageStartingWith("Task handler method "
                        + BadType.class.getName() + ".mail() of bean 'badType' declares type 'Invoice Mail',"
                        + " which is not a valid task type"));
    }

    static class Sloppy {
        @TaskstreamHandler("sloppy.hidden")
        void hidden(TaskContext ctx) {
        }

        @TaskstreamHandler("sloppy.greedy")
        public void greedy(Invoice a, Invoice b) {
        }
    }

    @Test
    void wrongSignaturesStopTheStartUpNamingEveryOne() {
        worker.withBean("sloppy", Sloppy.class).run(ctx ->
                assertThat(cause(ctx.getStartupFailure()))
                        .hasMessageStartingWith("Wrong @TaskstreamHandler methods: ")
                        .hasMessageContaining("@TaskstreamHandler(\"sloppy.hidden\") method " + Sloppy.class.getName()
                                + ".hidden(TaskContext) of bean 'sloppy' must be public")
                        .hasMessageContaining("@TaskstreamHandler(\"sloppy.greedy\") method " + Sloppy.class.getName()
                                + ".greedy(Invoice, Invoice) of bean 'sloppy' takes more than one payload parameter"));
    }

    @Configuration(proxyBeanMethods = false)
    static class PrototypeBilling {
        @Bean
        @Scope("prototype")
        Billing billing() {
            return new Billing();
        }
    }

    @Test
    void handlerMethodsOfABeanThatIsNotASingletonStopTheStartUp() {
        worker.withUserConfiguration(PrototypeBilling.class).run(ctx ->
                assertThat(cause(ctx.getStartupFailure()))
                        .hasMessageContaining("bean 'billing' (" + Billing.class.getName()
                                + ") has @TaskstreamHandler methods but is not a singleton (scope 'prototype'): make it one,"
                                + " or give it a scoped proxy"));
    }

    /** One instance per thread, reached through a scoped proxy (as a request-scoped bean would be). */
    static class PerThreadCounter {
        private int calls;

        @TaskstreamHandler("count")
        public int count() {
            return ++calls;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ThreadScoped {
        @Bean
        static CustomScopeConfigurer threadScope() {
            CustomScopeConfigurer scopes = new CustomScopeConfigurer();
            scopes.addScope("thread", new SimpleThreadScope());
            return scopes;
        }

        @Bean
        @Scope(value = "thread", proxyMode = ScopedProxyMode.TARGET_CLASS)
        PerThreadCounter counter() {
            return new PerThreadCounter();
        }
    }

    @Test
    void aScopedBeansMethodIsRegisteredOnceAndCalledThroughItsProxyOnTheCurrentThreadsInstance() {
        worker.withUserConfiguration(ThreadScoped.class).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            HandlerRegistry registry = ctx.getBean(HandlerRegistry.class);
            assertThat(registry.types()).containsExactly("count");

            assertThat(run(registry, "count", Map.of())).isEqualTo(HandlerResult.completed(1));
            assertThat(run(registry, "count", Map.of())).isEqualTo(HandlerResult.completed(2));
            HandlerResult[] onAnotherThread = new HandlerResult[1];
            Thread other = Thread.ofVirtual().start(() -> {
                try {
                    onAnotherThread[0] = run(registry, "count", Map.of());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            other.join();
            assertThat(onAnotherThread[0]).isEqualTo(HandlerResult.completed(1));
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class HiddenBilling {
        @Bean
        Object billing() {
            return new Billing();
        }
    }

    @Test
    void handlerMethodsABeanMethodsReturnTypeHidesStopTheStartUpInsteadOfNeverRunning() {
        worker.withUserConfiguration(HiddenBilling.class).run(ctx ->
                assertThat(cause(ctx.getStartupFailure()))
                        .hasMessage("Bean 'billing' (" + Billing.class.getName() + ") has @TaskstreamHandler methods,"
                                + " but its class was not known before it was created, so they were not registered:"
                                + " declare its @Bean method's return type as " + Billing.class.getName()
                                + " (or make it a top-level singleton bean)"));
    }
}
