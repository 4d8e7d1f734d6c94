package dev.memlog.faults.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** What a fuzz run saw: requests by service and answers by class, and every answer that broke a rule. */
public final class FuzzTally {
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger status2xx = new AtomicInteger();
    private final AtomicInteger status4xx = new AtomicInteger();
    private final AtomicInteger status5xx = new AtomicInteger();
    private final AtomicInteger withoutMessage = new AtomicInteger();
    private final Map<String, AtomicInteger> byService = new ConcurrentHashMap<>();
    private final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger staleConnections = new AtomicInteger();
    private volatile boolean consolidatedAfter;

    void record(FuzzClient.Verdict verdict) {
        requests.incrementAndGet();
        byService.computeIfAbsent(verdict.request().service(), s -> new AtomicInteger()).incrementAndGet();
        int status = verdict.status();
        if (status >= 200 && status < 300) {
            status2xx.incrementAndGet();
        } else if (status >= 400 && status < 500) {
            status4xx.incrementAndGet();
        } else if (status >= 500 || status < 0) {
            status5xx.incrementAndGet();
        }
        if (verdict.problem() != null) {
            if (status >= 400 && status < 500) {
                withoutMessage.incrementAndGet();
            }
            if (problems.size() < 200) {
                problems.add(verdict.problem() + " <- " + verdict.request());
            }
        }
    }

    void staleConnection() {
        staleConnections.incrementAndGet();
    }

    /** Requests resent on a new connection because the server had closed the pooled one for idleness. */
    public int staleConnections() {
        return staleConnections.get();
    }

    public void consolidatedAfter(boolean yes) {
        consolidatedAfter = yes;
    }

    public int requests() {
        return requests.get();
    }

    public int status2xx() {
        return status2xx.get();
    }

    public int status4xx() {
        return status4xx.get();
    }

    /** 5xx answers, and requests that got no answer at all. */
    public int status5xx() {
        return status5xx.get();
    }

    public int status4xxWithoutMessage() {
        return withoutMessage.get();
    }

    public Map<String, Integer> byService() {
        Map<String, Integer> out = new TreeMap<>();
        byService.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    public boolean consolidatedAfter() {
        return consolidatedAfter;
    }
}
