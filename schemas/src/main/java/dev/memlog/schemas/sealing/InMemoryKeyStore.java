package dev.memlog.schemas.sealing;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Data keys held in this process only, real AES-GCM keys that die with it: for topology tests and one-process tools. */
public final class InMemoryKeyStore implements KeyStore {
    static {
        Aeads.register();
    }

    private final Map<String, Map<String, Aead>> keys = new ConcurrentHashMap<>();

    @Override
    public DataKey current(String subject) {
        var known = keys.computeIfAbsent(subject, s -> new java.util.concurrent.ConcurrentSkipListMap<>());
        synchronized (known) {
            if (known.isEmpty()) {
                try {
                    known.put(UUID.randomUUID().toString().replace("-", ""),
                            KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM).getPrimitive(RegistryConfiguration.get(), Aead.class));
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            }
            var first = known.entrySet().iterator().next();
            return new DataKey(first.getKey(), first.getValue());
        }
    }

    @Override
    public Optional<Aead> find(String subject, String keyId) {
        return Optional.ofNullable(keys.getOrDefault(subject, Map.of()).get(keyId));
    }

    @Override
    public List<String> destroy(String subject) {
        var known = keys.remove(subject);
        return known == null ? List.of() : new ArrayList<>(known.keySet());
    }

    @Override
    public void close() {
    }
}
