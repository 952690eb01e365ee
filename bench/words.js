/**
 * Vocabulary of the generated catalogue. Lists are ordered roughly by how common a word is:
 * the generator picks with a skew towards the front, so a few words are in many listings
 * and most are rare, as in a real catalogue (full-text search then has both kinds of work).
 */

/** Template, its usual category, and words its listings talk about. */
export const TEMPLATES = [
  [
    'ubuntu-24.04',
    'base',
    'ubuntu noble lts hardened cis unattended upgrades awscli snap apt kernel ssm agent cloudwatch minimal',
  ],
  [
    'amazon-linux-2023',
    'base',
    'amazon linux al2023 dnf selinux ssm agent cloudwatch graviton minimal kernel hardened fips awscli',
  ],
  [
    'python-ml',
    'machine-learning',
    'python pytorch cuda cudnn jupyterlab conda tensorflow keras transformers huggingface accelerate triton nccl gpu',
  ],
  [
    'r-studio',
    'data-science',
    'rstudio server tidyverse ggplot2 shiny cran renv quarto knitr markdown dplyr data.table bioconductor',
  ],
  [
    'jupyter',
    'data-science',
    'jupyterlab notebook python pandas numpy matplotlib seaborn polars duckdb ipywidgets voila nbconvert kernel',
  ],
  [
    'genomics',
    'bioinformatics',
    'genomics bwa samtools gatk bcftools nextflow snakemake fastqc star salmon bowtie2 picard cromwell',
  ],
  ['gpu-cuda', 'machine-learning', 'cuda nvidia driver cudnn tensorrt nccl gpu a100 h100 l4 g5 p4 p5 nsight'],
  ['spark', 'data-science', 'spark pyspark hadoop yarn delta iceberg scala kafka airflow parquet emr glue'],
  ['docker-host', 'base', 'docker containerd compose buildx podman kubernetes k3s helm registry ecr ecs'],
  ['web-server', 'web', 'nginx apache caddy certbot letsencrypt php nodejs wordpress haproxy varnish redis'],
  [
    'database',
    'databases',
    'postgresql mysql mariadb mongodb redis timescaledb postgis pgvector clickhouse backup replication',
  ],
  ['hpc-slurm', 'hpc', 'slurm mpi openmpi efa lustre fsx intel oneapi gromacs lammps openfoam spack lmod'],
  ['windows-2022', 'desktop', 'windows server powershell iis dotnet visual studio rdp active directory sql defender'],
  ['desktop-xfce', 'desktop', 'xfce desktop dcv vnc firefox libreoffice vscode gnome remote browser fonts'],
  [
    'matlab',
    'data-science',
    'matlab simulink toolbox parallel computing license octave signal processing optimization',
  ],
  [
    'bioconductor',
    'bioinformatics',
    'bioconductor deseq2 edger limma seurat scanpy singlecell rnaseq chipseq atac annotation',
  ],
  [
    'geospatial',
    'geospatial',
    'gdal qgis postgis geopandas rasterio proj grass whitebox lidar satellite sentinel landsat',
  ],
  ['security', 'security', 'kali nmap wireshark metasploit burp openvas suricata zeek osquery falco wazuh'],
  [
    'llm-inference',
    'machine-learning',
    'vllm llama mistral ollama inference transformers quantization gguf tgi triton openai embeddings',
  ],
  [
    'ci-runner',
    'devops',
    'github actions gitlab runner jenkins buildkite terraform ansible packer docker java maven gradle',
  ],
];

/** The ten categories (some templates share one). */
export const CATEGORIES = [...new Set(TEMPLATES.map((t) => t[1]))];

/** General words of descriptions, common first. 'simple' full-text config: these are all searchable. */
// The last line is words of other scripts (the bench's non-Latin search finds listings described in them).
export const DESCRIPTION_WORDS = `with and for the on a preinstalled ready image of in to latest tools
configured workstation research team lab environment includes fast secure small optimized updated build
instance launch default users data analysis stable support patched nightly release drivers storage network
python jupyter gpu cuda docker ubuntu linux aws ebs s3 efs sagemaker lambda graviton arm64 x86 intel amd
performance monitoring logging metrics prometheus grafana opentelemetry backups snapshots encryption kms
compliance hipaa fedramp stig audit teaching course students classroom workshop tutorial reproducible
pipeline workflow batch scheduler cluster autoscaling spot savings cost budget tagging inventory ssh
vscode emacs vim git zsh tmux htop conda mamba pip poetry uv rust go java node deno ruby perl julia
fortran cpp cmake make gcc clang llvm openblas mkl fftw hdf5 netcdf zarr arrow parquet csv json yaml
visualization dashboards plotting reports notebooks papers thesis grant biology chemistry physics
astronomy climate weather ocean earth finance economics statistics epidemiology neuroscience imaging
microscopy proteomics metabolomics crispr variant calling alignment assembly annotation phylogenetics
robotics ros gazebo simulation cfd fem ansys abaqus comsol paraview visit blender unreal unity render
video audio transcoding ffmpeg whisper speech vision detection segmentation yolo diffusion stable lora
finetuning training evaluation benchmark leaderboard dataset labeling annotation mlflow wandb tensorboard
ray dask modin vaex rapids cudf cuml xgboost lightgbm catboost sklearn statsmodels prophet pymc stan
データ 解析 ゲノム 可視化 données análisis μικροσκοπία геномика`
  .split(/\s+/)
  .filter(Boolean);

/** Tags, common first. Pattern ^[a-z0-9][a-z0-9+.#-]{0,39}$ */
export const TAGS = `python gpu jupyter cuda ubuntu docker r arm64 graviton hardened cis ml ai data-science
pytorch tensorflow llm inference training notebook rstudio conda genomics bioinformatics hpc slurm mpi
web nginx database postgresql mysql redis security fips stig desktop dcv vnc windows dotnet spark
kafka airflow dbt geospatial gdal qgis matlab simulink julia rust go java nodejs teaching course lab
minimal lts al2023 cloudwatch ssm terraform ansible ci gitlab github-actions jenkins k8s k3s helm
nextflow snakemake gatk seurat scanpy vllm ollama llama mistral whisper diffusion yolo opencv ros
paraview openfoam gromacs lammps efa lustre fsx kali nmap wazuh falco backup pgvector postgis timescaledb`
  .split(/\s+/)
  .filter(Boolean);

/** Words of listing names (names are "<word>-<word>-<n>"). */
export const NAME_WORDS = `base lab research gpu ml data science python r studio notebook jupyter cuda torch
tensor lite slim full pro secure hardened fast turbo mini max studio bench hpc cluster node edge core
genome bio cell seq variant align spark stream lake warehouse web app api edge cache db pg sql graph
geo map sat earth climate ocean desk remote vdi dev build ci runner agent llm chat infer serve train
tune vision audio speech render sim cfd fem quantum chem phys astro neuro med clinic finance quant`
  .split(/\s+/)
  .filter(Boolean);

/** First parts of user handles ("<name>-<id>"). */
export const FIRST_NAMES = `alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy
rupert sybil trent victor walter yusuf zoe amir bea chen dana eli fatima gus hana igor jin kai lena
maria nora omar priya quinn rosa sam tara umar vera wei xia yara zack ana ben cleo dmitri ema felix
gina hugo ines jonas kira leo mina nils oscar pia raul sofia theo uma vlad wren ximena yosef zara
lab team group uni institute center core facility project consortium`
  .split(/\s+/)
  .filter(Boolean);

/** Regions; the first is the most common (about half of all versions are there). */
export const REGIONS = [
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'us-east-2',
  'eu-central-1',
  'ap-southeast-1',
  'ap-northeast-1',
  'ap-south-1',
  'ca-central-1',
  'eu-north-1',
  'sa-east-1',
  'ap-southeast-2',
];

/** Short review texts for the ratings that have one. */
export const REVIEWS = [
  'works as described',
  'launches fast, drivers were already there',
  'saved me a day of setup',
  'good image but the disk is too small',
  'jupyter did not start on first boot',
  'great for teaching, students were running in minutes',
  'outdated packages, please update',
  'solid and well documented',
];
