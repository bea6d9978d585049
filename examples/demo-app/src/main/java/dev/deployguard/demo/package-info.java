/**
 * The demo app DeployGuard deploys in the quickstart, demos and tests: a tiny HTTP server whose versions can be
 * told to fail, be slow or never become ready. Uses the JDK only.
 */
package dev.deployguard.demo;
