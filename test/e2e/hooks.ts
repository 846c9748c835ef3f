import { setUpTestCluster, tearDownTestCluster } from "./support/cluster.js";
import { installCrds } from "./support/crds.js";

/**
 * Root hooks: one cluster for the whole run. A cold first run builds the control plane from its
 * Go modules, so the hook's own limit is generous; every wait inside it has a shorter timeout.
 */
export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(60 * 60_000);
    await setUpTestCluster();
    await installCrds();
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    await tearDownTestCluster();
  },
};
