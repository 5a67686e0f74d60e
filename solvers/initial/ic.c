/* CfxIC: the random initial-data generator object (lifecycle, options, dispatch). */
#include "icimpl.h"

const char *const CfxICTypes[] = {"grf", "step", "sines", "CfxICType", "CFX_IC_", NULL};
PetscLogEvent CFX_IC_Sample;
static PetscBool CfxICPackageInitialized = PETSC_FALSE;

static PetscErrorCode CfxICFinalizePackage(void)
{
  PetscFunctionBegin;
  CfxICPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxICInitializePackage(void)
{
  PetscFunctionBegin;
  if (CfxICPackageInitialized) PetscFunctionReturn(0);
  CfxICPackageInitialized = PETSC_TRUE;
  PetscCall(CfxInitializePackage());
  PetscCall(PetscLogEventRegister("CfxICSample", CFX_CLASSID, &CFX_IC_Sample));
  PetscCall(PetscRegisterFinalize(CfxICFinalizePackage));
  PetscFunctionReturn(0);
}

/*@C
  CfxICCreate - Creates a random initial-data generator: GRF with correlation length 0.1 and
  unit standard deviation on the domain [0, 1), until changed by setters or options.
@*/
PetscErrorCode CfxICCreate(MPI_Comm comm, CfxIC *ic)
{
  CfxIC g;

  PetscFunctionBegin;
  PetscValidPointer(ic, 2);
  PetscCall(CfxICInitializePackage());
  PetscCall(PetscNew(&g));
  g->comm      = comm;
  g->type      = CFX_IC_GRF;
  g->xmin      = 0;
  g->L         = 1;
  g->length    = 0.1;
  g->amplitude = 1;
  g->jmin      = 1;
  g->jmax      = 5;
  g->nsines    = 2;
  g->kmax      = 4;
  *ic          = g;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxICDestroy(CfxIC *ic)
{
  PetscFunctionBegin;
  if (!ic || !*ic) PetscFunctionReturn(0);
  PetscCall(CfxICGRFFreeGrid(*ic));
  PetscCall(PetscFree((*ic)->prefix));
  PetscCall(PetscFree(*ic));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxICSetType(CfxIC ic, CfxICType type)
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscCheck(type >= CFX_IC_GRF && type <= CFX_IC_SINES, ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxICSetType: unknown type %d; expected grf, step or sines", (int)type);
  ic->type = type;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxICGetType(CfxIC ic, CfxICType *type)
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscValidPointer(type, 2);
  *type = ic->type;
  PetscFunctionReturn(0);
}

/*@C
  CfxICSetDomain - The periodic domain [xmin, xmax) the n sample points divide into cells
  (the same end points as CfxFVSetGrid()).
@*/
PetscErrorCode CfxICSetDomain(CfxIC ic, PetscReal xmin, PetscReal xmax)
{
  const PetscReal L = xmax - xmin;

  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscCheck(!PetscIsInfOrNanReal(xmin) && !PetscIsInfOrNanReal(xmax) && L > 0 && PetscIsNormalReal(L), ic->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "CfxICSetDomain: expected finite xmin < xmax, found [%g, %g)", (double)xmin, (double)xmax);
  if (L != ic->L) PetscCall(CfxICGRFFreeGrid(ic));
  ic->xmin = xmin;
  ic->L    = L;
  PetscFunctionReturn(0);
}

/*@C
  CfxICSetLength - Correlation length l of the GRF covariance exp(-(x-y)^2/(2 l^2)).
@*/
PetscErrorCode CfxICSetLength(CfxIC ic, PetscReal l)
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscCheck(l > 0 && PetscIsNormalReal(l), ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxICSetLength: expected a positive finite correlation length, found %g", (double)l);
  if (l != ic->length) PetscCall(CfxICGRFFreeGrid(ic));
  ic->length = l;
  PetscFunctionReturn(0);
}

/*@C
  CfxICSetAmplitude - GRF: pointwise standard deviation; step: values are U[-a, a];
  sines: each amplitude A_i is U[0, a].
@*/
PetscErrorCode CfxICSetAmplitude(CfxIC ic, PetscReal a)
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscCheck(a >= 0 && !PetscIsInfOrNanReal(a), ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxICSetAmplitude: expected a finite amplitude >= 0, found %g", (double)a);
  if (a != ic->amplitude) PetscCall(CfxICGRFFreeGrid(ic));
  ic->amplitude = a;
  PetscFunctionReturn(0);
}

/*@C
  CfxICSetJumps - Step data have a number of jumps drawn uniformly from {jmin, ..., jmax}.
@*/
PetscErrorCode CfxICSetJumps(CfxIC ic, PetscInt jmin, PetscInt jmax)
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscCheck(jmin >= 1 && jmax >= jmin, ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxICSetJumps: expected 1 <= jmin <= jmax, found jmin = %" PetscInt_FMT ", jmax = %" PetscInt_FMT, jmin, jmax);
  ic->jmin = jmin;
  ic->jmax = jmax;
  PetscFunctionReturn(0);
}

/*@C
  CfxICSetSines - m sine terms with integer wave numbers uniform in {1, ..., kmax}.
@*/
PetscErrorCode CfxICSetSines(CfxIC ic, PetscInt m, PetscInt kmax)
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscCheck(m >= 1 && kmax >= 1, ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxICSetSines: expected m >= 1 and kmax >= 1, found m = %" PetscInt_FMT ", kmax = %" PetscInt_FMT, m, kmax);
  ic->nsines = m;
  ic->kmax   = kmax;
  PetscFunctionReturn(0);
}

PetscErrorCode CfxICSetOptionsPrefix(CfxIC ic, const char prefix[])
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscCall(PetscFree(ic->prefix));
  if (prefix) PetscCall(PetscStrallocpy(prefix, &ic->prefix));
  PetscFunctionReturn(0);
}

/*@C
  CfxICSetFromOptions - Reads -ic, -ic_length, -ic_amplitude, -ic_jumps_min, -ic_jumps_max,
  -ic_sines and -ic_sines_kmax (each behind the prefix, if one was set).
@*/
PetscErrorCode CfxICSetFromOptions(CfxIC ic)
{
  PetscInt type = (PetscInt)ic->type, jmin, jmax, m, kmax;
  PetscReal length, amplitude;

  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  jmin      = ic->jmin;
  jmax      = ic->jmax;
  m         = ic->nsines;
  kmax      = ic->kmax;
  length    = ic->length;
  amplitude = ic->amplitude;
  PetscOptionsBegin(ic->comm, ic->prefix, "Random initial data (CfxIC)", "CfxIC");
  PetscCall(PetscOptionsEList("-ic", "Kind of random initial data", "CfxICSetType", CfxICTypes, 3, CfxICTypes[type], &type, NULL));
  PetscCall(PetscOptionsReal("-ic_length", "GRF correlation length l of exp(-(x-y)^2/(2 l^2))", "CfxICSetLength", length, &length, NULL));
  PetscCall(PetscOptionsReal("-ic_amplitude", "GRF standard deviation; scale of step values and sine amplitudes", "CfxICSetAmplitude", amplitude, &amplitude, NULL));
  PetscCall(PetscOptionsInt("-ic_jumps_min", "Fewest jumps of step data", "CfxICSetJumps", jmin, &jmin, NULL));
  PetscCall(PetscOptionsInt("-ic_jumps_max", "Most jumps of step data", "CfxICSetJumps", jmax, &jmax, NULL));
  PetscCall(PetscOptionsInt("-ic_sines", "Number of sine terms", "CfxICSetSines", m, &m, NULL));
  PetscCall(PetscOptionsInt("-ic_sines_kmax", "Largest integer wave number of a sine term", "CfxICSetSines", kmax, &kmax, NULL));
  PetscOptionsEnd();
  PetscCall(CfxICSetType(ic, (CfxICType)type));
  PetscCall(CfxICSetLength(ic, length));
  PetscCall(CfxICSetAmplitude(ic, amplitude));
  PetscCall(CfxICSetJumps(ic, jmin, jmax));
  PetscCall(CfxICSetSines(ic, m, kmax));
  PetscFunctionReturn(0);
}

PetscErrorCode CfxICView(CfxIC ic, PetscViewer viewer)
{
  PetscBool ascii;

  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  if (!viewer) PetscCall(PetscViewerASCIIGetStdout(ic->comm, &viewer));
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer, "CfxIC: %s on [%g, %g)\n", CfxICTypes[ic->type], (double)ic->xmin, (double)(ic->xmin + ic->L)));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  switch (ic->type) {
    case CFX_IC_GRF:
      PetscCall(PetscViewerASCIIPrintf(viewer, "squared-exponential covariance, length %g, standard deviation %g, zero ensemble mean\n", (double)ic->length, (double)ic->amplitude));
      break;
    case CFX_IC_STEP:
      PetscCall(PetscViewerASCIIPrintf(viewer, "%" PetscInt_FMT " to %" PetscInt_FMT " jumps, values U[-%g, %g]\n", ic->jmin, ic->jmax, (double)ic->amplitude, (double)ic->amplitude));
      break;
    case CFX_IC_SINES:
      PetscCall(PetscViewerASCIIPrintf(viewer, "%" PetscInt_FMT " sines, wave numbers 1..%" PetscInt_FMT ", amplitudes U[0, %g], phases U[0, 2 pi)\n", ic->nsines, ic->kmax, (double)ic->amplitude));
      break;
  }
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

/*@C
  CfxICSample - Fills u[0..n-1] with one random sample at the cell centres
  x_j = xmin + (j + 1/2) L / n, drawing from rng (whose counter advances).
@*/
PetscErrorCode CfxICSample(CfxIC ic, CfxRNG *rng, PetscInt n, PetscReal u[])
{
  PetscFunctionBegin;
  PetscValidPointer(ic, 1);
  PetscValidPointer(rng, 2);
  PetscCheck(n >= 2, ic->comm, PETSC_ERR_ARG_OUTOFRANGE, "CfxICSample: expected at least 2 grid points, found %" PetscInt_FMT, n);
  PetscValidRealPointer(u, 4);
  PetscCall(PetscLogEventBegin(CFX_IC_Sample, 0, 0, 0, 0));
  switch (ic->type) {
    case CFX_IC_GRF: PetscCall(CfxICSampleGRF(ic, rng, n, u)); break;
    case CFX_IC_STEP: PetscCall(CfxICSampleStep(ic, rng, n, u)); break;
    case CFX_IC_SINES: PetscCall(CfxICSampleSines(ic, rng, n, u)); break;
  }
  PetscCall(PetscLogEventEnd(CFX_IC_Sample, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
