# Build: compile TypeScript to plain JavaScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY worker ./worker
RUN npx tsc -p tsconfig.build.json

# Run: production dependencies and the compiled code only, as the unprivileged "node" user.
FROM node:20-bookworm-slim
# /stats --chart sets its text in DejaVu Sans.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
# Slack HTTP mode (POST /slack/events), GET /healthz and GET /metrics.
EXPOSE 3000
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["all"]
