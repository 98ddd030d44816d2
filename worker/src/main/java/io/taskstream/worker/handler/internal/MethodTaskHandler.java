package io.taskstream.worker.handler.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.UndeclaredThrowableException;

import org.springframework.aop.support.AopUtils;
import org.springframework.util.ReflectionUtils;

import io.taskstream.worker.handler.HandlerResult;
import io.taskstream.worker.handler.TaskContext;
import io.taskstream.worker.handler.TaskHandler;
import io.taskstream.worker.handler.TaskstreamHandler;

/**
 * A {@link TaskstreamHandler} method as a {@link TaskHandler}: binds the parameters, calls the method
 * on the bean (through its proxy, if it has one), and turns what it returns into a
 * {@link HandlerResult}. What the method throws is rethrown as it is, not wrapped, so the worker
 * sees the handler's own exception ({@code NonRetryableException}, the configured non-retryable
 * types).
 */
public final class MethodTaskHandler implements TaskHandler {

    private final HandlerMethod handlerMethod;
    private final Object bean;
    private final Method invocable;

    MethodTaskHandler(HandlerMethod handlerMethod, Object bean) {
        this.handlerMethod = handlerMethod;
        this.bean = bean;
        // a JDK proxy has the method only through its interfaces (fails here, at start-up, if it has not)
        this.invocable = AopUtils.selectInvocableMethod(handlerMethod.method(), bean.getClass());
        // a public method of a package-private class is not accessible from here without this
        ReflectionUtils.makeAccessible(invocable);
    }

    @Override
    public String type() {
        return handlerMethod.type();
    }

    @Override
    public HandlerResult handle(TaskContext context) throws Exception {
        Object[] arguments = new Object[handlerMethod.parameters().size()];
        for (int i = 0; i < arguments.length; i++) {
            arguments[i] = switch (handlerMethod.parameters().get(i)) {
                case HandlerMethod.Context c -> context;
                case HandlerMethod.Payload(Class<?> type) -> context.payloadAs(type);
            };
        }
        Object answer = invoke(arguments);
        return switch (handlerMethod.returns()) {
            case NOTHING -> HandlerResult.completed();
            case HANDLER_RESULT -> answer == null
                    // what the worker reports for a TaskHandler returning null, naming the method
                    ? HandlerResult.failed("handler_error", this + " returned null instead of a HandlerResult", false)
                    : (HandlerResult) answer;
            case RESULT -> answer instanceof HandlerResult result ? result : HandlerResult.completed(answer);
        };
    }

    private Object invoke(Object[] arguments) throws Exception {
        try {
            return invocable.invoke(bean, arguments);
        } catch (InvocationTargetException e) {
            Throwable thrown = e.getCause();
            if (thrown instanceof Exception exception) {
                throw exception;
            }
            if (thrown instanceof Error error) {
                throw error;
            }
            throw new UndeclaredThrowableException(thrown);
        }
    }

    /** E.g. {@code method com.acme.Mailer.send(Email, TaskContext) of bean 'mailer'}: names it in messages. */
    @Override
    public String toString() {
        return handlerMethod.toString();
    }
}
