# Biurko: multi-stage image, runs as a non-root user, data in a volume.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# the demo simulators answer without a login: off in the image (HOST=0.0.0.0 would make auto off too)
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data SIMULATOR_ENABLED=false KSEF_SIMULATOR_ENABLED=false
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY public ./public
COPY migrations ./migrations
# the official XSDs and dictionaries: JPK and FA(3) files are checked against them at run time
COPY vendor ./vendor
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/server.js"]
