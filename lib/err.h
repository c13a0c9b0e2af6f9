/* One error enum for the whole tree; ov.Status.Code mirrors it. */
#ifndef OV_ERR_H
#define OV_ERR_H

enum ov_err {
	OV_OK = 0,
	OV_EINVAL = 1,	   /* INVALID_ARGUMENT */
	OV_ENOTFOUND = 2,  /* NOT_FOUND */
	OV_EEXIST = 3,	   /* ALREADY_EXISTS */
	OV_EPERM = 4,	   /* PERMISSION_DENIED */
	OV_EUNAUTH = 5,	   /* UNAUTHENTICATED */
	OV_ETIMEDOUT = 6,  /* DEADLINE_EXCEEDED */
	OV_EUNAVAIL = 7,   /* UNAVAILABLE */
	OV_EEXHAUSTED = 8, /* RESOURCE_EXHAUSTED */
	OV_EPRECOND = 9,   /* FAILED_PRECONDITION */
	OV_EINTERNAL = 10, /* INTERNAL */
	OV_ETOOBIG = 11,   /* TOO_LARGE */
	OV_ERR_COUNT
};

/* Stable lower-case name, used in logs and metrics labels. */
const char *ov_err_name(enum ov_err e);
/* The HTTP status a REST handler answers for e. */
int ov_err_http(enum ov_err e);
/* The SIP final response code Kamailio answers for e. */
int ov_err_sip(enum ov_err e);
/* Maps a wire code (ov.Status.Code) back; unknown codes are INTERNAL. */
enum ov_err ov_err_from_code(int code);

#endif
