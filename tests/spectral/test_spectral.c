static const char help[] = "Tests CfxSpectralBurgers against the Cole-Hopf exact solution of viscous Burgers:\n"
                           "spectral accuracy, fourth-order convergence in dt, outputs landing on requested times.\n";

#include <conflux/conflux.h>

/* Cole-Hopf: phi = a0 + sum_k a_k exp(-nu k^2 t) cos(k x) solves phi_t = nu phi_xx, and
   u = -2 nu phi_x / phi solves u_t + u u_x = nu u_xx on [0, 2 pi). a0 > sum |a_k| keeps phi > 0.
   Galilean invariance adds a constant drift c: u(x, t) = c + u_CH(x - c t, t). */
typedef struct {
  PetscReal nu, a0, a[3], c;
} ColeHopf;

static PetscReal Exact(const ColeHopf *ch, PetscReal x, PetscReal t)
{
  PetscReal phi = ch->a0, phix = 0;

  x -= ch->c * t;
  for (int k = 1; k <= 3; k++) {
    const PetscReal d = ch->a[k - 1] * PetscExpReal(-ch->nu * k * k * t);
    phi += d * PetscCosReal(k * x);
    phix -= d * k * PetscSinReal(k * x);
  }
  return ch->c - 2 * ch->nu * phix / phi;
}

/* Max-norm error against Cole-Hopf over the output times; also the step count and the
   largest change of the mean of u (conserved: the nonlinear term has no k = 0 mode). */
static PetscReal xminRun = 0; /* the domain is [xminRun, xminRun + 2 pi) */

static PetscErrorCode Run(const ColeHopf *ch, PetscInt nx, CfxSpectralScheme scheme, PetscReal dt, PetscInt nt, const PetscReal times[], PetscReal *err, PetscInt *steps, PetscReal *massDrift)
{
  CfxSpectralBurgers sb;
  PetscReal *x, *u0, *U, mass0 = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxSpectralBurgersCreate(PETSC_COMM_SELF, &sb));
  PetscCall(CfxSpectralBurgersSetGrid(sb, nx, xminRun, xminRun + 2 * PETSC_PI));
  PetscCall(CfxSpectralBurgersSetViscosity(sb, ch->nu));
  PetscCall(CfxSpectralBurgersSetTimeStep(sb, dt));
  PetscCall(CfxSpectralBurgersSetScheme(sb, scheme));
  PetscCall(PetscMalloc3(nx, &x, nx, &u0, nx * nt, &U));
  PetscCall(CfxSpectralBurgersGetCoordinates(sb, x));
  for (PetscInt j = 0; j < nx; j++) {
    u0[j] = Exact(ch, x[j], 0);
    mass0 += u0[j] / nx;
  }
  PetscCall(CfxSpectralBurgersSolve(sb, 0, u0, nt, times, U));
  *err       = 0;
  *massDrift = 0;
  for (PetscInt i = 0; i < nt; i++) {
    PetscReal mass = 0;
    for (PetscInt j = 0; j < nx; j++) {
      *err = PetscMax(*err, PetscAbsReal(U[i * nx + j] - Exact(ch, x[j], times[i])));
      mass += U[i * nx + j] / nx;
    }
    *massDrift = PetscMax(*massDrift, PetscAbsReal(mass - mass0));
  }
  PetscCall(CfxSpectralBurgersGetStepCount(sb, steps));
  PetscCall(PetscFree3(x, u0, U));
  PetscCall(CfxSpectralBurgersDestroy(&sb));
  PetscFunctionReturn(0);
}

/* A solver configured only from the command line (the spectral_options test checks -help
   style configuration and the monitor output). */
static PetscErrorCode RunFromOptions(void)
{
  const ColeHopf ch        = {0.1, 2.0, {1.0, 0.5, 0.0}, 0.0};
  const PetscReal times[2] = {0.5, 1.0};
  CfxSpectralBurgers sb;
  PetscInt nx = 64;
  PetscReal x[64], u[3 * 64], err = 0;

  PetscFunctionBeginUser;
  PetscCall(CfxSpectralBurgersCreate(PETSC_COMM_SELF, &sb));
  PetscCall(CfxSpectralBurgersSetGrid(sb, nx, 0, 2 * PETSC_PI));
  PetscCall(CfxSpectralBurgersSetViscosity(sb, ch.nu));
  PetscCall(CfxSpectralBurgersSetFromOptions(sb));
  PetscCall(CfxSpectralBurgersView(sb, NULL));
  PetscCall(CfxSpectralBurgersGetCoordinates(sb, x));
  for (PetscInt j = 0; j < nx; j++) u[j] = Exact(&ch, x[j], 0);
  PetscCall(CfxSpectralBurgersSolve(sb, 0, u, 2, times, u + nx));
  for (PetscInt j = 0; j < nx; j++) err = PetscMax(err, PetscAbsReal(u[2 * nx + j] - Exact(&ch, x[j], 1.0)));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "error at t = 1: %.3e\n", (double)err));
  PetscCheck(err < 1e-6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "error %g at t = 1 with the options given", (double)err);
  PetscCall(CfxSpectralBurgersDestroy(&sb));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  /* nu = 0.5: phi has complex zeros at distance ~1 from the real axis, so the Fourier
     coefficients of u decay like e^{-m}: 64 points (modes |m| < 22 kept) resolve u to ~1e-12. */
  const ColeHopf ch = {0.5, 2.0, {0.8, 0.4, 0.2}, 0.0}, drift = {0.5, 2.0, {0.8, 0.4, 0.2}, 0.7};
  const PetscReal times[3] = {0.25, 0.7, 1.0}, odd[3] = {0.25, 0.7, 1.0}, t1[1] = {1.0};
  PetscReal err, drift0, errs[5], order[5];
  PetscInt steps;
  PetscBool optionsTest = PETSC_FALSE;

  PetscCall(CfxInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-options_test", &optionsTest, NULL));
  if (optionsTest) {
    PetscCall(RunFromOptions());
    PetscCall(CfxFinalize());
    return 0;
  }
  for (int s = 0; s < 2; s++) {
    const char *name = CfxSpectralSchemes[s];

    /* Spectral accuracy against the exact solution: <= 1e-10 at 64 and 128 points; 32 points
       under-resolve (error ~1e-6), which shows the comparison is sensitive. */
    for (PetscInt nx = 32; nx <= 128; nx *= 2) {
      PetscCall(Run(&ch, nx, (CfxSpectralScheme)s, 1e-3, 3, times, &err, &steps, &drift0));
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s, nx = %3" PetscInt_FMT ", dt = 1e-3: max error %.3e over t = 0.25, 0.7, 1\n", name, nx, (double)err));
      if (nx == 32)
        PetscCheck(err > 1e-8, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: 32 points should not resolve this solution, error %g", name, (double)err);
      else
        PetscCheck(err <= 1e-10, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s, nx = %" PetscInt_FMT ": error %g against Cole-Hopf exceeds 1e-10", name, nx, (double)err);
      PetscCheck(steps == 1000, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: %" PetscInt_FMT " steps of 1e-3 to t = 1, expected 1000", name, steps);
    }
    /* A drifting solution (non-zero mean, exercises the nonlinear term's transport) and
       conservation of the mean. */
    PetscCall(Run(&drift, 96, (CfxSpectralScheme)s, 1e-3, 3, times, &err, &steps, &drift0));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s, drift c = 0.7, nx = 96: max error %.3e, mean drift %.1e\n", name, (double)err, (double)drift0));
    PetscCheck(err <= 1e-10, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: drifting Cole-Hopf error %g exceeds 1e-10", name, (double)err);
    PetscCheck(drift0 <= 1e-14, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: mean of u drifts by %g", name, (double)drift0);
    /* The same on the shifted domain [-pi, pi) (setters take xmin, xmax as CfxFVSetGrid()). */
    xminRun = -PETSC_PI;
    PetscCall(Run(&drift, 96, (CfxSpectralScheme)s, 1e-3, 3, times, &err, &steps, &drift0));
    xminRun = 0;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s, drift c = 0.7, nx = 96 on [-pi, pi): max error %.3e\n", name, (double)err));
    PetscCheck(err <= 1e-10, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: drifting Cole-Hopf error %g on [-pi, pi) exceeds 1e-10", name, (double)err);

    /* Outputs at times that are not multiples of dt = 0.03: each interval ends with a shortened
       step (0.25 = 8 dt + 0.01, 0.45 = 15 dt, 0.3 = 10 dt): 9 + 15 + 10 = 34 steps. Missing a
       time by up to dt would cost ~dt |u_t| ~ 1e-2; the time-stepping error here is ~1e-8. */
    PetscCall(Run(&ch, 96, (CfxSpectralScheme)s, 0.03, 3, odd, &err, &steps, &drift0));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s, dt = 0.03, outputs 0.25, 0.7, 1: max error %.3e, %" PetscInt_FMT " steps\n", name, (double)err, steps));
    PetscCheck(steps == 34, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: expected 34 steps, found %" PetscInt_FMT, name, steps);
    PetscCheck(err < 1e-7, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: outputs off the dt grid have error %g", name, (double)err);

    /* Convergence in dt at t = 1 (96 points: spatial error ~1e-13): fourth order. */
    for (int r = 0; r < 5; r++) {
      PetscCall(Run(&ch, 96, (CfxSpectralScheme)s, 0.2 / (1 << r), 1, t1, &errs[r], &steps, &drift0));
      order[r] = r ? PetscLog2Real(errs[r - 1] / errs[r]) : 0;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s, dt = %-7g: error %.3e, observed order %.3f\n", name, 0.2 / (1 << r), (double)errs[r], (double)order[r]));
    }
    for (int r = 3; r < 5; r++)
      PetscCheck(order[r] > 3.8 && order[r] < 4.2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: observed order %g between dt = %g and %g, expected 4", name, (double)order[r], 0.2 / (1 << (r - 1)),
                 0.2 / (1 << r));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "spectral Burgers tests passed\n"));
  PetscCall(CfxFinalize());
  return 0;
}
