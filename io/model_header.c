/* The /model attributes of a checkpoint, read before a model can be built: a model's
   hyperparameters (sizes, types) decide which parameters the file must hold, so they are read
   first, with errors that name the file, the attribute and the value found. */
#include <cfximpl.h>
#include <conflux/cfxcheckpoint.h>
#include <conflux/cfxio.h>
#include <stdlib.h>
#include <string.h>

struct _p_CfxModelHeader {
  MPI_Comm comm;
  char file[PETSC_MAX_PATH_LEN];
  hid_t h, g;
};

/*@C
  CfxModelHeaderOpen - Collective. Opens the /model group of a checkpoint FILE; errors if the
  file is missing, is not HDF5 or has no /model group.
@*/
PetscErrorCode CfxModelHeaderOpen(MPI_Comm comm, const char file[], CfxModelHeader *header)
{
  CfxModelHeader mh;
  PetscBool exists;

  PetscFunctionBegin;
  PetscValidPointer(header, 3);
  *header = NULL;
  PetscCall(PetscTestFile(file, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "model file %s does not exist or is not readable", file);
  PetscCheck(H5Fis_hdf5(file) > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s is not an HDF5 file (truncated or corrupt?)", file);
  PetscCall(PetscNew(&mh));
  mh->comm = comm;
  mh->g    = H5I_INVALID_HID;
  PetscCall(PetscStrncpy(mh->file, file, sizeof(mh->file)));
  mh->h = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (mh->h < 0 || H5Lexists(mh->h, "model", H5P_DEFAULT) <= 0) {
    PetscBool opened = (PetscBool)(mh->h >= 0);
    if (opened) H5Fclose(mh->h);
    PetscCall(PetscFree(mh));
    PetscCheck(opened, comm, PETSC_ERR_FILE_OPEN, "cannot open %s as HDF5 (truncated or corrupt?)", file);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s has no /model group: it is not a model checkpoint (a dataset? see `conflux info %s`)", file, file);
  }
  mh->g   = H5Gopen2(mh->h, "model", H5P_DEFAULT);
  *header = mh;
  PetscFunctionReturn(0);
}

/*@C
  CfxModelHeaderClose - Closes the file opened by CfxModelHeaderOpen().
@*/
PetscErrorCode CfxModelHeaderClose(CfxModelHeader *header)
{
  PetscFunctionBegin;
  if (!header || !*header) PetscFunctionReturn(0);
  if ((*header)->g >= 0) H5Gclose((*header)->g);
  if ((*header)->h >= 0) H5Fclose((*header)->h);
  PetscCall(PetscFree(*header));
  PetscFunctionReturn(0);
}

/*@C
  CfxModelHeaderGetText - The text attribute NAME of /model; an error if it is absent.
@*/
PetscErrorCode CfxModelHeaderGetText(CfxModelHeader mh, const char name[], char value[], size_t len)
{
  PetscBool found;

  PetscFunctionBegin;
  PetscCall(CfxH5GetAttributeText(mh->g, name, value, len, &found));
  PetscCheck(found, mh->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model has no attribute \"%s\" (not a checkpoint of this model, or written by an incompatible version)", mh->file, name);
  PetscFunctionReturn(0);
}

/*@C
  CfxModelHeaderGetInt - The attribute NAME of /model as an integer.
@*/
PetscErrorCode CfxModelHeaderGetInt(CfxModelHeader mh, const char name[], PetscInt *v)
{
  char buf[64], *end;
  long long x;

  PetscFunctionBegin;
  PetscCall(CfxModelHeaderGetText(mh, name, buf, sizeof(buf)));
  x = strtoll(buf, &end, 10);
  PetscCheck(end != buf && *end == 0, mh->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model attribute %s = \"%s\" is not an integer", mh->file, name, buf);
  *v = (PetscInt)x;
  PetscFunctionReturn(0);
}

/*@C
  CfxModelHeaderGetReal - The attribute NAME of /model as a finite real number.
@*/
PetscErrorCode CfxModelHeaderGetReal(CfxModelHeader mh, const char name[], PetscReal *v)
{
  char buf[64], *end;

  PetscFunctionBegin;
  PetscCall(CfxModelHeaderGetText(mh, name, buf, sizeof(buf)));
  *v = (PetscReal)strtod(buf, &end);
  PetscCheck(end != buf && *end == 0 && !PetscIsInfOrNanReal(*v), mh->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model attribute %s = \"%s\" is not a finite number", mh->file, name, buf);
  PetscFunctionReturn(0);
}

/*@C
  CfxModelHeaderGetEnum - The attribute NAME of /model as the index of one of the n strings of
  list.
@*/
PetscErrorCode CfxModelHeaderGetEnum(CfxModelHeader mh, const char name[], const char *const list[], PetscInt n, PetscInt *v)
{
  char buf[64], known[256] = "";

  PetscFunctionBegin;
  PetscCall(CfxModelHeaderGetText(mh, name, buf, sizeof(buf)));
  for (PetscInt i = 0; i < n; i++) {
    if (!strcmp(buf, list[i])) {
      *v = i;
      PetscFunctionReturn(0);
    }
    PetscCall(PetscStrlcat(known, i ? ", " : "", sizeof(known)));
    PetscCall(PetscStrlcat(known, list[i], sizeof(known)));
  }
  SETERRQ(mh->comm, PETSC_ERR_FILE_UNEXPECTED, "%s: /model attribute %s = \"%s\", expected one of %s", mh->file, name, buf, known);
}
