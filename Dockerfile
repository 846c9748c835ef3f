# Kestrel controller image. Build: docker build -t kestrel:dev .
# Stage 1 bundles the controller and its dependencies into one file (npm run controller:bundle)
# and writes V8's code cache for it; stage 2 carries node, that file, its cache and the launcher,
# and runs as a non-root user. Why one file: a start (after a crash, an eviction, a rollout of the
# controller) reads and compiles one file instead of resolving a few hundred modules, and with the
# code cache skips most of the compiling too.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY controller ./controller
COPY scripts/build-controller.mjs ./scripts/
COPY bin/run-cached.cjs bin/kestrel-controller.cjs ./bin/
RUN node scripts/build-controller.mjs
# The code cache is written at build time: the running container's filesystem is read-only. A
# start with a kubeconfig that does not exist loads every module, fails at once and, on exit,
# writes the cache (bin/run-cached.cjs); the test makes sure it did.
RUN node bin/kestrel-controller.cjs --kubeconfig=/nonexistent/kubeconfig 2>/dev/null; \
    test -s dist/bundle/kestrel-controller.cjs.v8-cache

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# The bundle holds every dependency: no node_modules in the image.
COPY --from=build /app/bin/run-cached.cjs /app/bin/kestrel-controller.cjs ./bin/
COPY --from=build /app/dist/bundle ./dist/bundle
# 65532 is the conventional "nonroot" uid; the chart's securityContext expects it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "bin/kestrel-controller.cjs"]
