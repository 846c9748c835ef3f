# Kestrel controller image. Build: docker build -t kestrel:dev .
# Stage 1 compiles TypeScript with the dev toolchain; stage 2 carries only production
# dependencies and the compiled JavaScript, and runs as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY controller ./controller
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/controller ./dist/controller
# 65532 is the conventional "nonroot" uid; the chart's securityContext expects it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "dist/controller/main.js"]
