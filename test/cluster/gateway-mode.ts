/**
 * The Gateway API data plane (Traefik, built from its module) is part of every local cluster.
 * KESTREL_GATEWAY=0 leaves it out, for a machine where it does not build: the cluster then has no
 * gateway, and the tests that send traffic through one fail at once saying so.
 */
export function gatewayEnabled(value = process.env.KESTREL_GATEWAY): boolean {
  if (value === undefined || value === "" || value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new Error(
    `KESTREL_GATEWAY=${value}: expected 1 (the default: build and start the gateway) or 0 (none)`,
  );
}

/** What the build's failure message adds for the data plane. */
export const gatewayOptOutHint =
  "the Gateway API data plane did not build; KESTREL_GATEWAY=0 runs the cluster without it " +
  "(then the tests that send traffic through a gateway fail, saying it is absent)";
