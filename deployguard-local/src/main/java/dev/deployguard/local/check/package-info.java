/**
 * The local platform's checks of the pre-deployment checklist: the command exists, the disk has room, the router's
 * addresses are free. Uses the JDK, this module's router records and core's check SPI.
 */
package dev.deployguard.local.check;
