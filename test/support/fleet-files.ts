/** A fleet file with five planted mistakes, and where `npm run check` must say each one is. */
export const FIVE_MISTAKES = `registry:
  url: https://registry.example.com
hosts:
  serverA:
    docker: unix:///var/run/docker.sock
  serverB:
    docker: 10.0.0.12:2376
environments:
  prod:
    hosts: [serverA, serverX]
projects:
  a1:
    image: a1
    ports: ["8080"]
    restart: sometimes
`;

export const FIVE_MISTAKE_PATHS = [
  "registry.url",
  "hosts.serverB.docker",
  "environments.prod.hosts.1",
  "projects.a1.ports.0",
  "projects.a1.restart",
];
