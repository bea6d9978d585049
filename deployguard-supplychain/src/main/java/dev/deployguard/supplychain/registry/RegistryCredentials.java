package dev.deployguard.supplychain.registry;

import java.util.Optional;

/** Where a registry client finds the credentials for a registry host. */
@FunctionalInterface
public interface RegistryCredentials {
    /** No credentials: anonymous pulls only. */
    RegistryCredentials ANONYMOUS = host -> Optional.empty();

    /**
     * @param host the registry's host[:port], as in the image reference
     * @throws RegistryException (kind DENIED) when a credential store fails, saying which and why (never a secret)
     */
    Optional<RegistryCredential> find(String host) throws RegistryException;
}
