package io.taskstream.worker.handler.internal;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ApplicationContextException;
import org.springframework.util.ClassUtils;

import io.taskstream.worker.handler.HandlerRegistry;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.handler.TaskstreamHandler;

/**
 * Turns every {@link TaskstreamHandler} method of the application's beans into a {@link TaskHandler}
 * bean of its own, so that annotated methods and {@code TaskHandler} classes end up in one
 * {@link HandlerRegistry}, built from all {@code TaskHandler} beans, which checks them together:
 * one handler per type, a type no task could have, with one message naming every culprit.
 *
 * <p>How: after all bean definitions are known (a {@link BeanFactoryPostProcessor}, so before any
 * application bean exists), it looks at each bean's class, checks every annotated method's
 * signature, and registers one bean definition per method, a {@link MethodTaskHandler} that gets
 * the bean it calls when it is created (a scoped bean: its scoped proxy, which finds the current
 * scope's instance on each call). A wrong signature stops the start-up here, naming bean and
 * method. A bean's class is only known before the bean exists if its definition says it: a
 * {@code @Component} class, or a {@code @Bean} method returning the class itself. A {@code @Bean}
 * method declared to return an interface or superclass hides the annotated methods, so, as a
 * {@link BeanPostProcessor}, this also looks at each bean once it exists and stops the start-up if
 * it has annotated methods that were not registered, rather than silently never running them.
 *
 * <p>Why bean definitions rather than collecting the methods while beans are created: the registry
 * is created as soon as the worker's beans need it, possibly before the beans with annotated
 * methods, and would then miss them.
 */
public final class AnnotatedHandlerRegistrar implements BeanFactoryPostProcessor, BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(AnnotatedHandlerRegistrar.class);

    /** Per bean, the annotated methods registered for it (written once, read while beans are created). */
    private final Map<String, Set<Method>> registered = new ConcurrentHashMap<>();
    /** Classes seen without annotated methods, so each class is inspected once. */
    private final Set<Class<?>> withoutHandlerMethods = ConcurrentHashMap.newKeySet();

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        List<HandlerMethod> found = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (String beanName : beanFactory.getBeanDefinitionNames()) {
            if (beanFactory.containsBeanDefinition(ScopedProxyUtils.getTargetBeanName(beanName))) {
                continue; // a scoped proxy: its target's definition tells the class, see below
            }
            Class<?> type = typeOf(beanFactory, beanName);
            if (type == null) {
                continue;
            }
            Map<Method, TaskstreamHandler> methods = HandlerMethod.annotatedMethods(type);
            if (methods.isEmpty()) {
                continue;
            }
            // a scoped bean is called through its proxy, a singleton that finds the current instance
            boolean scoped = ScopedProxyUtils.isScopedTarget(beanName);
            String callee = calleeOf(beanName);
            BeanDefinition definition = beanFactory.getMergedBeanDefinition(beanName);
            if (!scoped && !definition.isSingleton()) {
                wrong.add("bean '" + beanName + "' (" + ClassUtils.getUserClass(type).getName() + ") has @TaskstreamHandler"
                        + " methods but is not a singleton (scope '" + definition.getScope() + "'): make it one,"
                        + " or give it a scoped proxy");
                continue;
            }
            methods.forEach((method, annotation) -> {
                try {
                    found.add(HandlerMethod.of(callee, method, annotation));
                } catch (IllegalArgumentException e) {
                    wrong.add(e.getMessage());
                }
            });
        }
        if (!wrong.isEmpty()) {
            throw new ApplicationContextException("Wrong @TaskstreamHandler methods: " + String.join("; ", wrong));
        }
        BeanDefinitionRegistry registry = (BeanDefinitionRegistry) beanFactory;
        for (HandlerMethod handlerMethod : found) {
            RootBeanDefinition handler = new RootBeanDefinition(MethodTaskHandler.class);
            handler.setInstanceSupplier(() ->
                    new MethodTaskHandler(handlerMethod, beanFactory.getBean(handlerMethod.beanName())));
            registry.registerBeanDefinition(beanNameOf(handlerMethod, registry), handler);
            registered.computeIfAbsent(handlerMethod.beanName(), name -> ConcurrentHashMap.newKeySet())
                    .add(handlerMethod.method());
        }
        if (!found.isEmpty()) {
            log.debug("Task handler methods: {}", found);
        }
    }

    /** The bean to call for methods of bean {@code beanName}: a scoped bean's proxy, else the bean itself. */
    private static String calleeOf(String beanName) {
        return ScopedProxyUtils.isScopedTarget(beanName) ? ScopedProxyUtils.getOriginalBeanName(beanName) : beanName;
    }

    /** The bean's class as its definition gives it, without creating anything; {@code null} if it does not. */
    private static Class<?> typeOf(ConfigurableListableBeanFactory beanFactory, String beanName) {
        try {
            if (beanFactory.getBeanDefinition(beanName).isAbstract()) {
                return null;
            }
            return beanFactory.getType(beanName, false);
        } catch (BeansException | LinkageError e) {
            // a definition that cannot be resolved fails the start-up later, with Spring's own message
            log.debug("Could not determine the type of bean '{}' to look for @TaskstreamHandler methods", beanName, e);
            return null;
        }
    }

    private static String beanNameOf(HandlerMethod handlerMethod, BeanDefinitionRegistry registry) {
        String base = handlerMethod.beanName() + "#" + handlerMethod.method().getName()
                + handlerMethod.parameters().stream().map(p -> switch (p) {
                    case HandlerMethod.Context c -> "TaskContext";
                    case HandlerMethod.Payload(Class<?> type) -> type.getSimpleName();
                }).collect(Collectors.joining(",", "(", ")"));
        String name = base;
        for (int i = 2; registry.containsBeanDefinition(name); i++) {
            name = base + "#" + i;
        }
        return name;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> type = ClassUtils.getUserClass(AopProxyUtils.ultimateTargetClass(bean));
        if (withoutHandlerMethods.contains(type)) {
            return bean;
        }
        Set<Method> methods = HandlerMethod.annotatedMethods(type).keySet();
        if (methods.isEmpty()) {
            withoutHandlerMethods.add(type);
        } else if (!registered.getOrDefault(calleeOf(beanName), Set.of()).containsAll(methods)) {
            throw new BeanInitializationException("Bean '" + beanName + "' (" + type.getName() + ") has"
                    + " @TaskstreamHandler methods, but its class was not known before it was created, so they"
                    + " were not registered: declare its @Bean method's return type as " + type.getName()
                    + " (or make it a top-level singleton bean)");
        }
        return bean;
    }
}
