package dev.memlog.mcp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A tool's arguments read by name and type: a wrong type is refused naming the argument, never coerced. */
final class ToolArguments {
    private final Map<String, Object> values;

    ToolArguments(Map<String, Object> values) {
        this.values = values == null ? Map.of() : values;
    }

    /** An argument that is missing or of the wrong type: the agent is told which, and how to fix it. */
    static final class Invalid extends RuntimeException {
        private final String argument;

        Invalid(String argument, String message) {
            super(message);
            this.argument = argument;
        }

        String argument() {
            return argument;
        }
    }

    String string(String name) {
        Object value = values.get(name);
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        throw new Invalid(name, name + " must be a string");
    }

    String requiredString(String name) {
        String value = string(name);
        if (value == null || value.isBlank()) {
            throw new Invalid(name, name + " is required");
        }
        return value;
    }

    Integer integer(String name) {
        Object value = values.get(name);
        if (value == null) {
            return null;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            long n = ((Number) value).longValue();
            if (n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
                return (int) n;
            }
        }
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) {
            return d.intValue(); // JSON numbers may arrive as doubles: 5.0 is 5, 5.5 is refused
        }
        throw new Invalid(name, name + " must be an integer");
    }

    Double number(String name) {
        Object value = values.get(name);
        if (value == null) {
            return null;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new Invalid(name, name + " must be a number");
    }

    List<String> strings(String name) {
        Object value = values.get(name);
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> list) {
            List<String> out = new ArrayList<>(list.size());
            for (Object item : list) {
                if (!(item instanceof String s)) {
                    throw new Invalid(name, name + " must be an array of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw new Invalid(name, name + " must be an array of strings");
    }

    List<Map<String, Object>> objects(String name) {
        Object value = values.get(name);
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new Invalid(name, name + " must be a non-empty array of objects");
        }
        List<Map<String, Object>> out = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> map)) {
                throw new Invalid(name, name + " must be an array of objects");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) map;
            out.add(typed);
        }
        return out;
    }

    Map<String, Object> object(String name) {
        Object value = values.get(name);
        if (value == null) {
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) map;
            return typed;
        }
        throw new Invalid(name, name + " must be an object");
    }
}
