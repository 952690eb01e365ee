# cws-registry: build the workspace and run the server (`docker compose up --build`).
# One stage on purpose: workspace packages link to each other, and a plain install + build
# is the path CI exercises every day.
FROM node:22-bookworm-slim
WORKDIR /app
RUN npm install -g pnpm@12.21.0
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build && chown -R node:node /app
ENV HOST=0.0.0.0 PORT=8948 NODE_ENV=production
EXPOSE 8948
USER node
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:8948/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "registry-server/bin/cws-registry.js", "serve"]
