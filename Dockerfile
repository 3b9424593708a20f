# Build: compile TypeScript with the dev dependencies, then drop them.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 falls back to compiling SQLite when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bin-mode.mjs ./scripts/
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run: production dependencies and dist/ only, as the unprivileged node user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    RELAY_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The CLI by its documented name, e.g. `docker exec <container> dynatrace-events-exporter dead-letters list`.
RUN ln -s /app/dist/main.js /usr/local/bin/dynatrace-events-exporter \
 && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9721
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9721)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/main.js"]
