/*
 * WAV files as the IVR writes them: RIFF/WAVE, PCM, 16-bit
 * little-endian, mono, a 44-byte header and the samples. Pure.
 */
#ifndef IVR_WAV_H
#define IVR_WAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IVR_WAV_HEADER 44

/* Writes the header for n_samples samples at rate Hz. */
void ivr_wav_header(uint8_t h[IVR_WAV_HEADER], uint32_t rate,
		    uint32_t n_samples);

/* Reads a header this module wrote (PCM, 16-bit, mono, "data" right
 * after "fmt "); false for anything else. len: the bytes available,
 * at least the header; with file_len (the whole file's size, 0 when
 * unknown) the data chunk must match it exactly, so that a file cut
 * short is refused. */
bool ivr_wav_parse(const uint8_t *h, size_t len, size_t file_len,
		   uint32_t *rate, uint32_t *n_samples);

/* How long n samples at rate Hz play, in ms (rounded down). */
uint32_t ivr_wav_ms(uint32_t rate, uint64_t n_samples);

/* Halves the sample rate in place: each output sample is the mean of a
 * pair (a simple low-pass before decimation). Returns the new count. */
size_t ivr_wav_halve(int16_t *s, size_t n);

#endif
