// Package deploytest holds tests that read the repository's Dockerfile and
// docker-compose.yml and check them against what the catena binary needs, so
// a change to one cannot silently break the other.
package deploytest
