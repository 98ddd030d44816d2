package io.taskstream.worker.handler.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskstreamHandler;

/**
 * A {@link TaskstreamHandler} method of a bean, its signature checked: what each parameter gets and
 * what its return value means. Built at start-up from bean definitions, before any bean exists;
 * {@link MethodTaskHandler} binds it to the bean.
 *
 * @param type       the task type it runs
 * @param beanName   the bean whose method it is
 * @param method     the method, as declared on the bean's class
 * @param parameters what each parameter gets
 * @param returns    what the return value means
 */
record HandlerMethod(String type, String beanName, Method method, List<Parameter> parameters,
                            Returns returns) {

    /** What a parameter of a handler method gets. */
    sealed interface Parameter {
    }

    /** The attempt's {@link TaskContext}. */
    record Context() implements Parameter {
    }

    /** The payload, bound with {@link TaskContext#payloadAs(Class)}. */
    record Payload(Class<?> type) implements Parameter {
    }

    /** What the return value of a handler method means. */
    enum Returns {
        /** a {@link HandlerResult}, used as is */
        HANDLER_RESULT,
        /** nothing: the task completes without a result */
        NOTHING,
        /** a value that becomes the task's JSON result (a {@link HandlerResult} is still used as is) */
        RESULT
    }

    HandlerMethod {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(beanName, "beanName");
        Objects.requireNonNull(method, "method");
        parameters = List.copyOf(parameters);
        Objects.requireNonNull(returns, "returns");
    }

    /** The methods of {@code beanClass} (and its superclasses and interfaces) annotated {@link TaskstreamHandler}. */
    static Map<Method, TaskstreamHandler> annotatedMethods(Class<?> beanClass) {
        Class<?> userClass = ClassUtils.getUserClass(beanClass);
        if (!AnnotationUtils.isCandidateClass(userClass, TaskstreamHandler.class)) {
            return Map.of();
        }
        return MethodIntrospector.selectMethods(userClass, (MethodIntrospector.MetadataLookup<TaskstreamHandler>)
                method -> AnnotatedElementUtils.findMergedAnnotation(method, TaskstreamHandler.class));
    }

    /**
     * Checks {@code method}'s signature.
     *
     * @throws IllegalArgumentException naming the bean and the method, saying everything that is wrong
     */
    static HandlerMethod of(String beanName, Method method, TaskstreamHandler annotation) {
        List<String> wrong = new ArrayList<>();
        if (Modifier.isStatic(method.getModifiers())) {
            wrong.add("must not be static");
        }
        if (!Modifier.isPublic(method.getModifiers())) {
            // a proxy (@Transactional, …) only intercepts public methods: a non-public one would run unadvised
            wrong.add("must be public");
        }
        List<Parameter> parameters = new ArrayList<>();
        for (Class<?> parameter : method.getParameterTypes()) {
            parameters.add(TaskContext.class.equals(parameter) ? new Context() : new Payload(parameter));
        }
        if (count(parameters, Context.class) > 1) {
            wrong.add("takes more than one TaskContext");
        }
        if (count(parameters, Payload.class) > 1) {
            wrong.add("takes more than one payload parameter (it may take the payload and a TaskContext)");
        }
        for (Parameter parameter : parameters) {
            if (parameter instanceof Payload(Class<?> payload) && !bindsAnObject(payload)) {
                wrong.add("takes the payload as " + payload.getSimpleName()
                        + ", but a payload is a JSON object: take a record or class with its fields, a Map or a JsonNode");
            }
        }
        Class<?> returnType = method.getReturnType();
        if (Future.class.isAssignableFrom(returnType) || CompletionStage.class.isAssignableFrom(returnType)) {
            wrong.add("returns a " + returnType.getSimpleName()
                    + ", but handlers run on a thread of their own: block and return the result");
        }
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException("@TaskstreamHandler(\"" + annotation.value() + "\") "
                    + describe(method, beanName) + " " + String.join(", ", wrong));
        }
        Returns returns = HandlerResult.class.isAssignableFrom(returnType) ? Returns.HANDLER_RESULT
                : returnType == void.class || returnType == Void.class ? Returns.NOTHING
                : Returns.RESULT;
        return new HandlerMethod(annotation.value(), beanName, method, parameters, returns);
    }

    private static long count(Collection<Parameter> parameters, Class<? extends Parameter> kind) {
        return parameters.stream().filter(kind::isInstance).count();
    }

    private static boolean bindsAnObject(Class<?> type) {
        return !ClassUtils.isPrimitiveOrWrapper(type) && !CharSequence.class.isAssignableFrom(type)
                && !type.isArray() && !Collection.class.isAssignableFrom(type) && !type.isEnum();
    }

    /** E.g. {@code method com.acme.Mailer.send(Email, TaskContext) of bean 'mailer'}. */
    static String describe(Method method, String beanName) {
        return "method " + method.getDeclaringClass().getName() + "." + method.getName()
                + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                        .collect(Collectors.joining(", ", "(", ")"))
                + " of bean '" + beanName + "'";
    }

    /** E.g. {@code method com.acme.Mailer.send(Email, TaskContext) of bean 'mailer'}. */
    @Override
    public String toString() {
        return describe(method, beanName);
    }
}
